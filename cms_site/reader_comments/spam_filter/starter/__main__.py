"""Build the starter model file.

    python -m cms_site.reader_comments.spam_filter.starter build \\
        --source /tmp/evalsets/spam/youtube-spam.jsonl --out youtube-spam-starter.npz

Prints the file's size and SHA-256; put the hash in ``STARTER_SHA256`` when shipping a new file.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from . import STARTER_FILE, build_starter


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="train on a JSON-lines corpus and write the file")
    build.add_argument("--source", type=Path, required=True, help="youtube-spam.jsonl")
    build.add_argument("--out", type=Path, default=STARTER_FILE, help="file to write")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        parser.error(f"{args.source}: no such file")
    data = build_starter(args.source)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
