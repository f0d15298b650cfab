"""Benchmark (issue 24): how soon the command line answers — ``casegrid --help`` and ``casegrid process validate``
of one diagram — beside the bare references of the same machine at the same moment.

Each command runs in a fresh process (that is what a person at the prompt waits for: interpreter start,
imports, the work). Beside it, interleaved run by run so that load hits both alike:

- ``python -c pass``: the interpreter alone, the floor of any command;
- bare SpiffWorkflow: a fresh interpreter that imports SpiffWorkflow's Camunda parser and parses a diagram
  (no casegrid rules) — the reference for ``validate`` of the same diagram (mediation.bpmn; the civic loop's
  figure is the target's).

Reported: the median wall time of each over ``--repeat`` runs, and the CPU time (user + system) of the
child, which is steadier than wall time on a shared machine.

    python bench/cli_start.py                    # 7 runs each
    python bench/cli_start.py --repeat 3 --json out.json
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, Figures, loadavg, med  # noqa: E402

DIAGRAM = ROOT / "bpmn" / "civic_loop.bpmn"
#: Bare SpiffWorkflow cannot read casegrid's combined decision file, so the like-for-like pair is this diagram
#: (no business rule task), validated by casegrid and parsed by bare SpiffWorkflow.
PLAIN = ROOT / "bpmn" / "mediation.bpmn"
BARE_PARSE = ("import sys\nfrom SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser\n"
              "p = CamundaParser()\np.add_bpmn_file(sys.argv[1])\np.get_spec(p.get_process_ids()[0])\n")


def _casegrid() -> list[str]:
    """The installed ``casegrid`` next to this interpreter, else the same entry point through ``-c``."""
    script = Path(sys.executable).with_name("casegrid")
    if script.exists():
        return [str(script)]
    found = shutil.which("casegrid")
    return [found] if found else [sys.executable, "-c", "from engine.cli import main; main()"]


def timed(command: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the child) of one run; the command must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    cg = _casegrid()
    commands = {
        "help": cg + ["--help"],
        "validate": cg + ["process", "validate", str(DIAGRAM)],
        "validate_plain": cg + ["process", "validate", str(PLAIN)],
        "python": [sys.executable, "-c", "pass"],
        "bare": [sys.executable, "-c", BARE_PARSE, str(PLAIN)],
    }
    timed(commands["help"])  # warm the file cache and the .pyc files once
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            wall, cpu = timed(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    w = {k: med(v) for k, v in walls.items()}
    c = {k: med(v) for k, v in cpus.items()}
    print(f"cli_start: {args.repeat} runs each, load average {loadavg()}")
    for name in commands:
        print(f"  {name:9} wall {w[name] * 1000:8.1f} ms   CPU {c[name] * 1000:8.1f} ms")
    figures = Figures()
    figures.add("24.help", "`casegrid --help`, wall", w["help"], "s", "≤ 0.3 s", 0.3,
                note=f"CPU {c['help'] * 1000:.0f} ms; bare `python -c pass` {w['python'] * 1000:.0f} ms wall, "
                     f"{c['python'] * 1000:.0f} ms CPU")
    figures.add("24.validate", "`casegrid process validate` of one diagram (civic_loop.bpmn), wall", w["validate"], "s",
                "≤ 1 s", 1.0, note=f"CPU {c['validate'] * 1000:.0f} ms; mediation.bpmn: casegrid "
                f"{w['validate_plain'] * 1000:.0f} ms wall / {c['validate_plain'] * 1000:.0f} ms CPU, bare SpiffWorkflow "
                f"import + parse {w['bare'] * 1000:.0f} ms / {c['bare'] * 1000:.0f} ms CPU")
    figures.write(str(args.json) if args.json else None, {"wall": w, "cpu": c, "load": loadavg()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
