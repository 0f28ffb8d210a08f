"""The classical fill: flow-guided propagation from other frames, then Telea (baseline and fallback)."""

from core.fill.flow_fill import FillStats, FlowFill
from core.fill.prealigned import Prealigned
from core.fill.holes import composite, hole_from_mask
from core.fill.telea import telea_fill

__all__ = ["FillStats", "FlowFill", "Prealigned", "composite", "hole_from_mask", "telea_fill"]
