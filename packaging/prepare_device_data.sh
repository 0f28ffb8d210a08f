#!/usr/bin/env bash
# Copy the training and evaluation data into git-ignored folders of the checkout, so that they
# travel with the working tree to a lent GPU machine (which sees only the repository):
#   .traindata/  bmx-trees and running_car from DATA (never tennis) + public-domain stills
#   .evaldata/   tennis, the held-out clip, and bmx-trees (its masks are the removal eval's holes)
# Usage: bash packaging/prepare_device_data.sh [DATA]   (default: ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
[ -d "$data/tennis" ] || { echo "no clips at $data: pass the folder that holds tennis/ and bmx-trees/" >&2; exit 2; }

rm -rf .traindata .evaldata
mkdir -p .traindata/stills .evaldata
for clip in "$data"/*/; do
    name=$(basename "$clip")
    [ "$name" = tennis ] && continue
    cp -r "$clip" .traindata/
done
cp -r "$data/tennis" "$data/bmx-trees" .evaldata/   # bmx-trees: its rider masks are the removal holes

# Stills: scikit-image's sample photographs (public domain), from its wheel's data folder.
python3 - <<'EOF' || echo "no scikit-image wheel reachable: training without stills" >&2
import glob, os, subprocess, sys, tempfile, zipfile
names = ["astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
         "color.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "motorcycle_left.png",
         "rocket.jpg"]
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "-d", tmp, "scikit-image"], check=True)
    wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "scikit_image-*.whl"))[0])
    for member in wheel.namelist():
        if member.startswith("skimage/data/") and os.path.basename(member) in names:
            with open(os.path.join(".traindata/stills", os.path.basename(member)), "wb") as f:
                f.write(wheel.read(member))
EOF
du -sh .traindata .evaldata
