"""Write requirements.lock: every package of a working environment pinned with its SHA-256.

Usage: python .ci/lock.py FREEZE_FILE WHEEL_DIR [EXTRA_WHEEL ...] > requirements.lock
FREEZE_FILE is `pip freeze --all` of an environment where the project works; WHEEL_DIR holds the
files `pip download --no-deps -r FREEZE_FILE` fetched; EXTRA_WHEEL are files taken from elsewhere
(the CPU build of torch on local disk).
"""

import hashlib
import re
import sys
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(freeze: str, wheel_dir: str, *extra: str) -> None:
    files = {}
    for path in [*Path(wheel_dir).iterdir(), *map(Path, extra)]:
        name = canonical(path.name.split("-")[0])
        files.setdefault(name, []).append(path)
    print("# Exact pins with hashes for the project's environment (Python 3.11, Linux x86_64, CPU).")
    print("# Installed by `make` with: pip install --require-hashes --no-deps -r requirements.lock")
    print("# Regenerate with .ci/lock.py (see its docstring) after changing dependencies.")
    for line in sorted(Path(freeze).read_text().splitlines(), key=str.lower):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name = canonical(re.split(r"[=@ ]", line)[0])
        version = line.split("==")[1] if "==" in line else None
        candidates = files.get(name, [])
        if not candidates:
            raise SystemExit(f"no downloaded file for {line}")
        if version is None:  # a direct reference such as "pkg @ file://...whl"
            version = candidates[0].name.split("-")[1]
        hashes = sorted({hashlib.sha256(p.read_bytes()).hexdigest() for p in candidates})
        pin = f"{name}=={version}"
        print(pin + "".join(f" \\\n    --hash=sha256:{h}" for h in hashes))


if __name__ == "__main__":
    main(*sys.argv[1:])
