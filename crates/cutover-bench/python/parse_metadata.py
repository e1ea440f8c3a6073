"""Parse IdP metadata files with python3-saml, timed like the Rust worker.

Reads every file given, parses each once untimed (counting the accepted and
rejected files), then times `--iterations` passes of
`OneLogin_Saml2_IdPMetadataParser.parse` over all of them and prints one
line of JSON with the same fields as the Rust worker's report.
"""

import argparse
import json
import resource
import sys
import time

from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser


def rss_kib(field):
    """Return a `/proc/self/status` memory field in KiB, or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak():
    """Reset the peak RSS to the current RSS (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def parse(document, entity_id):
    """Parse one document; return whether the parser accepted it."""
    try:
        OneLogin_Saml2_IdPMetadataParser.parse(document, entity_id=entity_id)
    except Exception:  # noqa: BLE001 - any raised error is a rejected file
        return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, required=True)
    parser.add_argument("--entity-id")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    documents = []
    for path in args.files:
        with open(path, "rb") as handle:
            documents.append(handle.read())
    reset_peak()
    baseline = rss_kib("VmRSS")

    accepted = sum(1 for document in documents if parse(document, args.entity_id))
    start = time.perf_counter()
    for _ in range(args.iterations):
        for document in documents:
            parse(document, args.entity_id)
    seconds = time.perf_counter() - start

    peak = rss_kib("VmHWM")
    if peak is None:
        # ru_maxrss is in KiB on Linux.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "files": len(documents),
            "bytes": sum(len(document) for document in documents),
            "iterations": args.iterations,
            "seconds": seconds,
            "accepted": accepted,
            "rejected": len(documents) - accepted,
            "baseline_rss_kib": baseline,
            "peak_rss_kib": peak,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
