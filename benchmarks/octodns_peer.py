"""octoDNS as the peer for ``callfwd validate``: ``octodns-validate`` on a zone of N records.

    python -m benchmarks.octodns_peer OUT_DIR --records 10000   # writes config.yaml + zone

One TXT record per sender (``n18002000000: forward=+12122000000``) in one
YAML zone read by octoDNS's own YamlProvider: the same number of entries as
the callfwd fleet it is compared with, each a name and a value to check.
octoDNS is installed only by the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from benchmarks.workload import sender, target

ZONE = "fleet.example."

CONFIG = f"""\
providers:
  config:
    class: octodns.provider.yaml.YamlProvider
    directory: ./zones
zones:
  {ZONE}:
    sources: [config]
    targets: [config]
"""


def write_zone(out: Path, records: int) -> Path:
    """``out/config.yaml`` and ``out/zones/<zone>.yaml``; returns the config path."""
    (out / "zones").mkdir(parents=True, exist_ok=True)
    # octoDNS insists on keys in sorted order
    names = sorted((f"n{sender(n)[1:]}", n) for n in range(records))
    lines = ["---\n"]
    for name, n in names:
        lines.append(f"{name}:\n  type: TXT\n  value: forward={target(n)}\n")
    (out / "zones" / f"{ZONE}yaml").write_text("".join(lines), encoding="utf-8")
    config = out / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def command(config: Path) -> list[str]:
    exe = Path(sys.executable).with_name("octodns-validate")
    found = str(exe) if exe.exists() else shutil.which("octodns-validate")
    if not found:
        raise SystemExit("octodns-validate not found: pip install -e '.[bench]'")
    return [found, "--config-file", str(config)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args(argv)
    print(" ".join(command(write_zone(args.out, args.records))))


if __name__ == "__main__":
    main()
