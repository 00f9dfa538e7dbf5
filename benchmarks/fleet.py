"""Generate a fleet of valid manifests: N files x M senders, unique numbers, deterministic.

    python -m benchmarks.fleet OUT_DIR --files 1000 --senders 10

Senders walk the toll-free range (800 then 833, 844, ...) and each forwards
to its own US long code, so every number is unique and the fleet validates.
The same arguments always write the same bytes.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
# US area codes (phonenumbers region US) for forwarding numbers
US_AREAS = ("212", "312", "415", "617", "206", "303", "404", "512", "602", "713")
MODELINE = "# yaml-language-server: $schema=../schemas/manifest.v1.schema.json\n"


def _numbers(kind: tuple[str, ...]) -> Iterator[str]:
    for area in kind:
        for exchange in range(200, 1000):
            for line in range(10000):
                yield f"{area}{exchange:03d}{line:04d}"


def _styled(n: int, digits: str) -> str:
    a, e, line = digits[:3], digits[3:6], digits[6:]
    return (f"+1 ({a}) {e}-{line}", f"{a}-{e}-{line}", f"+1{digits}", f"1 {a} {e} {line}")[n % 4]


def manifest(index: int, senders: list[str], targets: list[str]) -> str:
    lines = [
        MODELINE,
        "version: 1\n",
        f"account: fleet-{index % 10}\n",
        f"team: team-{index:05d}\n",
        "owners:\n",
        f"  - email: owner{index}@fleet.example\n",
        "    role: manager\n",
        "forwarding:\n",
    ]
    for n, (s, t) in enumerate(zip(senders, targets, strict=True)):
        lines.append(f'  - sender: "{_styled(n, s)}"\n')
        lines.append(f'    forward_to: "{_styled(n + 1, t)}"\n')
    return "".join(lines)


def write_fleet(out: Path, files: int, senders: int) -> list[Path]:
    """Write ``files`` manifests of ``senders`` entries each under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    tf, us = _numbers(TOLL_FREE), _numbers(US_AREAS)
    paths = []
    for i in range(files):
        s = [next(tf) for _ in range(senders)]
        t = [next(us) for _ in range(senders)]
        path = out / f"team-{i:05d}.yaml"
        path.write_text(manifest(i, s, t), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    args = parser.parse_args(argv)
    write_fleet(args.out, args.files, args.senders)


if __name__ == "__main__":
    main()
