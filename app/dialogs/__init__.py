"""Dialogs: settings, export."""
