"""Benchmark (issue 17): receiving a 5 MB phone photo, and ``verify``'s file check per 10 000 attachments.

1. ``EvidenceService.receive`` of a ~5 MB 4032×3024 JPEG with EXIF: streamed to the incoming folder while
   hashed, decoded in full by Pillow (type, bomb and truncation checks), its end checked, renamed into place,
   a public copy (1600 px) and a thumbnail (320 px) re-encoded and stored, and the catalogue row committed.
   Each timed upload is a different photo (the same bytes again would be stored once). Target: p50 ≤ 300 ms.
2. ``check_files`` (what ``casegrid verify`` adds): re-hash every original, public copy and thumbnail that
   the ``evidence_attached`` events name. Attachments are written through ``engine.evidence.operations.attach``
   (the one chain append path) on a few cases; their files are random bytes of ``--file-kb`` (the check
   hashes, it does not decode), three per attachment as for a photo. Reported per 10 000 attachments and as
   hashing throughput, so larger originals can be reckoned from it.

Run from the repository root::

    python bench/evidence_upload.py            # 15 uploads, 10 000 attachments
    python bench/evidence_upload.py --smoke    # 3 uploads, 300 attachments
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, med, pct  # noqa: E402
from PIL import Image  # noqa: E402

from engine.bootstrap import init_database  # noqa: E402
from engine.cases.intake import Intake  # noqa: E402
from engine.cases.queries import lock_case  # noqa: E402
from engine.clock import SystemClock  # noqa: E402
from engine.demo.organisation import seed_organisation  # noqa: E402
from engine.evidence.models import EvidenceFile  # noqa: E402
from engine.evidence.operations import attach  # noqa: E402
from engine.evidence.service import EvidenceService  # noqa: E402
from engine.evidence.store import EvidenceStore  # noqa: E402
from engine.people.actor import Actor  # noqa: E402
from engine import CaseService  # noqa: E402

TARGET_BYTES = 5 * 1024 * 1024
GRID_WORKER = Actor("wangge", "grid_worker", grid_code="XF-01")


def phone_photo(seed: int) -> bytes:
    """A 4032×3024 JPEG of about 5 MB (noise over a gradient, so it compresses like a busy street scene)."""
    rnd = Image.frombytes("L", (4032, 3024), os.urandom(4032 * 3024)).convert("RGB")
    base = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
    img = Image.blend(base, rnd, 0.35 + (seed % 3) * 0.01)
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    exif[0x0132] = "2026:03:01 18:20:05"
    for quality in (92, 88, 84, 80, 75, 70, 60, 50):
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=quality, exif=exif)
        if out.tell() <= TARGET_BYTES * 1.1:
            return out.getvalue()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--uploads", type=int, default=15)
    parser.add_argument("--attachments", type=int, default=10_000)
    parser.add_argument("--file-kb", type=int, default=64)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    uploads, attachments = (3, 300) if args.smoke else (args.uploads, args.attachments)
    figures = Figures()
    print(f"load average before: {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="casegrid-bench-evidence-") as folder:
        db, _ = init_database(f"sqlite:///{Path(folder) / 'evidence.db'}")
        with db.transaction() as s:
            seed_organisation(s)
        evidence = EvidenceService(db, EvidenceStore(Path(folder) / "evidence"), SystemClock())
        evidence.receive(io.BytesIO(phone_photo(99)))  # warm-up: imports, Pillow's codecs
        timings, cpu, sizes = [], [], []
        for n in range(uploads):
            data = phone_photo(n)
            sizes.append(len(data))
            start, start_cpu = time.perf_counter(), time.process_time()
            evidence.receive(io.BytesIO(data))
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        # Wall time and the process's CPU time: on the shared machine under load the wall time is several
        # times the CPU time, which is what the upload costs on a quiet one.
        figures.add("17.upload.p50", "receive a 5 MB photo (hash, checks, public copy, thumbnail, row)", med(timings),
                    "ms", "≤ 300 ms", limit=300, note=f"{uploads} photos of {med(sizes) / 1048576:.1f} MB; "
                    f"p95 {pct(timings, 95):.0f} ms; CPU p50 {med(cpu):.0f} ms")

        cases = CaseService(db, SystemClock())
        per_case = 1000
        made = 0
        while made < attachments:
            case = cases.open_case(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER)
            batch = min(per_case, attachments - made)
            with db.transaction() as s:
                shas = []
                for _ in range(batch):
                    names = [evidence.store.put_bytes(os.urandom(kb * 1024)) for kb in (args.file_kb, 16, 4)]
                    s.add(EvidenceFile(sha256=names[0], size=args.file_kb * 1024, media_type="image/jpeg",
                                       public_sha256=names[1], thumb_sha256=names[2],
                                       stored_at=SystemClock().now().replace(tzinfo=None)))
                    shas.append(names[0])
                s.flush()
                attach(s, lock_case(s, case.id), shas, purpose="report", actor=GRID_WORKER, at=SystemClock().now(),
                       max_per_case=10**9)
            made += batch
        start, start_cpu = time.perf_counter(), time.process_time()
        check = evidence.check_files()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        assert check.problems == [] and check.files == attachments * 3, (check.files, check.problems[:3])
        megabytes = attachments * (args.file_kb + 16 + 4) / 1024
        figures.add("17.verify_files", "verify's file check per 10 000 attachments (3 files each)",
                    seconds * 10_000 / attachments, "s", note=f"{attachments} attachments, {args.file_kb} KB originals; "
                    f"{megabytes / seconds:.0f} MB/s hashed; CPU {cpu_seconds * 10_000 / attachments:.2f} s")
        db.dispose()
    print(f"load average after: {loadavg()}")
    figures.write(args.json)


if __name__ == "__main__":
    main()
