"""Runs every process of the Procfile together (web, worker, beat) until Ctrl-C or one exits.

`make serve` uses it so the full stack needs no extra tool. The processes inherit the
environment; DJANGO_SETTINGS_MODULE defaults to the local settings (DEBUG on, media served)
unless set, so on a laptop it serves http without the production HTTPS redirect.
"""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m"]


def read_procfile() -> list[tuple[str, str]]:
    entries = []
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries.append((name.strip(), command.strip()))
    return entries


def pump(name: str, colour: str, stream) -> None:
    for line in stream:
        sys.stdout.write(f"{colour}{name:>6} |\033[0m {line}")
        sys.stdout.flush()


def main() -> int:
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.local")
    (ROOT / "var").mkdir(exist_ok=True)
    processes = []
    for index, (name, command) in enumerate(read_procfile()):
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        colour = COLOURS[index % len(COLOURS)]
        threading.Thread(target=pump, args=(name, colour, process.stdout), daemon=True).start()
        processes.append((name, process))

    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    exit_code = 0
    while not stopping.wait(0.5):
        for name, process in processes:
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping the others.")
                exit_code = process.returncode or 1
                stopping.set()
                break
    for _, process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for _, process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
