#!/usr/bin/env python3
"""Run today's pseudo-pixel-art tools on the cases `spritedx eval restore
--save-degraded DIR` wrote, so `spritedx eval score` can score them beside SpriteDX.

    python3 -m venv .venv-compare
    .venv-compare/bin/pip install proper-pixel-art==2.0.0 unfake==1.0.7 \
        pixel-snapper==0.1.0 perfect-pixel==0.1.4 ai2pixelart==0.1.4
    .venv-compare/bin/python scripts/compare_tools.py runs/cmp/degraded runs/cmp

Every tool runs with its defaults (fully automatic, as SpriteDX does). A tool that
fails or times out on an image leaves no output there, which scores as a miss.
"""
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TIMEOUT_S = 120


def bin_path(name):
    return str(Path(sys.executable).parent / name)


def run(cmd):
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        pass


def perfect_pixel(src, dst):
    """perfect-pixel has a Python API only (RGB in, RGB out: no alpha)."""
    import numpy as np
    from PIL import Image
    from perfect_pixel import get_perfect_pixel

    rgb = np.array(Image.open(src).convert("RGB"))
    try:
        _, _, out = get_perfect_pixel(rgb)
        Image.fromarray(np.asarray(out).astype("uint8")).save(dst)
    except Exception:  # the tool raises when it finds no grid
        pass


TOOLS = {
    "proper-pixel-art": lambda s, d: run([bin_path("ppa"), str(s), "-o", str(d)]),
    "unfake": lambda s, d: run([bin_path("unfake"), str(s), "-o", str(d), "--quiet"]),
    "pixel-snapper": lambda s, d: run([bin_path("pixel-snapper"), str(s), str(d)]),
    "ai2pixelart": lambda s, d: run([bin_path("ai2pixelart"), "clean", str(s), "-o", str(d)]),
    "perfect-pixel": perfect_pixel,
}


def main():
    cases, out_root = Path(sys.argv[1]), Path(sys.argv[2])
    inputs = sorted(p for p in cases.glob("*.png"))
    only = sys.argv[3:] or list(TOOLS)
    for name in only:
        out = out_root / name
        out.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda p: TOOLS[name](p, out / p.name), inputs))
        print(f"{name}: {len(list(out.glob('*.png')))} of {len(inputs)} outputs", flush=True)


if __name__ == "__main__":
    main()
