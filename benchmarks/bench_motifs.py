"""Motif scanning speed: the vectorised conv1d scanner vs a per-motif Biopython loop, same run, same PSSMs.

    python benchmarks/bench_motifs.py [--data ../shared/data] [--n 1000] [--length 300] [--p-value 1e-4]
                                      [--bio-seqs 50] [--bio-dist 5] [--long-mb 0] [--threads N]

Sequences: ``--n`` windows of ``--length`` bp without N from human hg19 chr1 (first 3 Mb, in
``genome/``), at seeded random positions; seeded random DNA when the file is absent. Profiles: every
JASPAR CORE vertebrate profile of the latest release pyjaspar bundles, uniform background, 0.8
pseudocounts. The Biopython loop (``pssm.search`` per motif per sequence, with the scanner's per-profile
score cut) runs on the first ``--bio-seqs`` sequences and is extrapolated linearly to ``--n``; its hits
then go through the same exact site p-value filter, so the two hit sets should be identical. Biopython's
``ScoreDistribution.threshold_fpr`` (pure Python) is timed on ``--bio-dist`` profiles and extrapolated.
``--long-mb`` scans that many Mb of chr1 in one call (chunked; peak memory bounded by ``memory_mb``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
from pathlib import Path

import numpy as np


def human_windows(data: Path, n: int, length: int, seed: int = 0) -> tuple[list[str], str]:
    """``n`` N-free windows from chr1, or random DNA when the genome file is absent."""
    path = data / "genome" / "human_hg19_chr1_first3.0Mb.fa.gz"
    rng = random.Random(seed)
    if not path.is_file():
        return ["".join(rng.choices("ACGT", k=length)) for _ in range(n)], f"random DNA (seed {seed})"
    from dnahlm.sequences import read

    chrom = read(path).sequence
    out: list[str] = []
    while len(out) < n:
        start = rng.randrange(0, len(chrom) - length)
        window = chrom[start : start + length]
        if "N" not in window:
            out.append(window)
    return out, f"human hg19 chr1 windows (seed {seed})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--n", type=int, default=1000, help="sequences")
    ap.add_argument("--length", type=int, default=300, help="bp per sequence")
    ap.add_argument("--p-value", type=float, default=1e-4)
    ap.add_argument("--bio-seqs", type=int, default=50, help="sequences in the timed Biopython loop")
    ap.add_argument("--bio-dist", type=int, default=5, help="profiles for Biopython's threshold_fpr timing")
    ap.add_argument("--long-mb", type=float, default=0.0, help="also scan this many Mb of chr1 in one call")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch.set_num_threads")
    args, _ = ap.parse_known_args()  # run_all.py forwards the same flags to every script

    import torch

    torch.set_num_threads(args.threads)
    from dnahlm.bio.encoding import COMPLEMENT, encode
    from dnahlm.bio.jaspar import compile_profile, load_profiles
    from dnahlm.bio.motifs import MotifScanner

    seqs, source = human_windows(args.data, args.n, args.length)
    rows: list[tuple[str, str, str, str, str]] = []

    started = time.perf_counter()
    profiles = load_profiles()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    scanner = MotifScanner(profiles)
    build_s = time.perf_counter() - started
    P = len(profiles)
    rows.append(("load JASPAR profiles (pyjaspar, once per process)", "-", f"{P}", f"{load_s:.2f}", "-"))
    rows.append(("PSSMs + exact p-value tables (DP, once per process)", "-", f"{P}", f"{build_s:.2f}", "-"))

    def timed(variant: MotifScanner, objects: bool = False) -> tuple[list, float, float]:
        """Hit keys per sequence, wall and CPU seconds of one scan of all sequences."""
        variant.scan_table(seqs[:8], p_value=args.p_value)  # warm-up (thresholds, buffers)
        wall, cpu = time.perf_counter(), time.process_time()
        if objects:
            hits = variant.scan_many(seqs, p_value=args.p_value)
        else:
            table = variant.scan_table(seqs, p_value=args.p_value)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if not objects:
            hits = [[(table.profile[r], table.start[r], table.strand[r]) for r in table.rows_of(i)]
                    for i in range(len(seqs))]  # fmt: skip
        else:
            ids = {p.motif_id: i for i, p in enumerate(profiles)}
            hits = [[(ids[h.motif_id], h.start, h.strand) for h in hs] for hs in hits]
        return hits, wall, cpu

    def keys(hits: list) -> list[list[tuple[int, ...]]]:
        """Hits per sequence as sorted (profile, start, strand): float ties may order differently."""
        return [sorted(tuple(map(int, k)) for k in h) for h in hits]

    ours, ours_s, ours_cpu = timed(scanner)
    n_ours = sum(map(len, ours))
    label = (
        f"vectorised scan_table (columns): {len(scanner._buckets)} length buckets, im2col + GEMM (default)"
    )
    rows.append((label, f"{args.n}", f"{P}", f"{ours_s:.2f} (CPU {ours_cpu:.2f})", f"{n_ours}"))
    for label, variant, objects in (
        ("vectorised scan_many (a MotifHit object per hit), default scanner", scanner, True),
        ("vectorised scan_table: 3 length buckets (12, 20), im2col + GEMM",
         MotifScanner(profiles, length_buckets=(12, 20)), False),
        ("vectorised scan_table: default buckets, F.conv1d", MotifScanner(profiles, method="conv1d"), False),
        ("vectorised scan_table: one padded weight, im2col + GEMM",
         MotifScanner(profiles, length_buckets=()), False),
    ):  # fmt: skip
        hits, wall, cpu = timed(variant, objects)
        same = "same" if keys(hits) == keys(ours) else "DIFFERENT"
        rows.append(
            (label, f"{args.n}", f"{P}", f"{wall:.2f} (CPU {cpu:.2f})", f"{sum(map(len, hits))} ({same})")
        )

    # Biopython: one pssm.search per motif per sequence, same PSSMs and per-profile score cut
    from pyjaspar import jaspardb

    db = jaspardb()
    motifs = [db.fetch_motif_by_id(p.motif_id) for p in profiles]
    db.conn.close()
    pssms = []
    for m in motifs:
        m.background = dict.fromkeys("ACGT", 0.25)
        m.pseudocounts = dict.fromkeys("ACGT", 0.2)
        pssms.append(m.pssm)
    cuts = scanner.threshold(args.p_value)
    sub = seqs[: args.bio_seqs]
    started = time.perf_counter()
    raw = []
    for s, seq in enumerate(sub):
        for p, pssm in enumerate(pssms):
            if np.isfinite(cuts[p]):
                raw.extend(
                    (s, p, int(pos), float(score)) for pos, score in pssm.search(seq, threshold=cuts[p])
                )
    bio_s = time.perf_counter() - started
    bio_hits = set()
    for s, p, pos, _score in raw:  # the scanner's exact site p-value decides, as for its own hits
        start, strand = (pos, 1) if pos >= 0 else (pos + len(sub[s]), -1)
        site = encode(sub[s][start : start + profiles[p].length])
        if strand < 0:
            site = COMPLEMENT[site[::-1]]
        if (
            compile_profile(profiles[p]).tail.site_p_values(np.array([site], dtype=np.int64))[0]
            <= args.p_value
        ):
            bio_hits.add((s, profiles[p].motif_id, start, strand))
    ours_sub = {
        (s, profiles[int(p)].motif_id, int(start), int(strand))
        for s, hits in enumerate(ours[: len(sub)])
        for p, start, strand in hits
    }
    scale = args.n / max(1, len(sub))
    rows.append(
        (
            f"Biopython loop, pssm.search per motif per sequence (measured on {len(sub)} sequences, x{scale:g})",
            f"{args.n}",
            f"{P}",
            f"{bio_s * scale:.1f} (measured {bio_s:.2f})",
            f"{len(bio_hits)} on {len(sub)}",
        )
    )

    k = min(args.bio_dist, P)
    started = time.perf_counter()
    for pssm in pssms[:k]:
        pssm.distribution(background=dict.fromkeys("ACGT", 0.25), precision=10**3).threshold_fpr(args.p_value)
    dist_s = time.perf_counter() - started
    rows.append(
        (
            f"Biopython ScoreDistribution.threshold_fpr (measured on {k} profiles, x{P / k:.0f})",
            "-",
            f"{P}",
            f"{dist_s * P / k:.1f} (measured {dist_s:.2f})",
            "-",
        )
    )

    if args.long_mb > 0:
        from dnahlm.sequences import read

        path = args.data / "genome" / "human_hg19_chr1_first3.0Mb.fa.gz"
        long_seq = (
            read(path).sequence[: int(args.long_mb * 1e6)]
            if path.is_file()
            else "".join(random.Random(1).choices("ACGT", k=int(args.long_mb * 1e6)))
        )
        started = time.perf_counter()
        n_long = len(scanner.scan(long_seq, p_value=args.p_value))
        long_s = time.perf_counter() - started
        rows.append(
            (f"one {len(long_seq) / 1e6:.1f} Mb sequence, chunked", "1", f"{P}", f"{long_s:.1f}", f"{n_long}")
        )

    print(f"{source}, {args.length} bp, p <= {args.p_value:g}, both strands, torch threads {args.threads}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")  # fmt: skip
    print("| method | sequences | profiles | seconds | hits |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    both = ours_sub & bio_hits
    print(
        f"\nAgreement on the first {len(sub)} sequences: vectorised {len(ours_sub)}, Biopython {len(bio_hits)}, "
        f"both {len(both)}, only vectorised {len(ours_sub - bio_hits)}, only Biopython {len(bio_hits - ours_sub)}."
    )
    print(f"Speed-up over the Biopython loop: {bio_s * scale / ours_s:.0f}x. "
          f"Peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.")  # fmt: skip


if __name__ == "__main__":
    main()
