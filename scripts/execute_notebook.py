"""Execute one notebook headless with the project's tslab kernel (Debian's nbclient).

Usage: /usr/bin/python3 scripts/execute_notebook.py IN.ipynb OUT.ipynb TIMEOUT_SECONDS

Writes the executed copy (also when a cell fails, up to the failing cell) and, on failure, prints
the failing cell's source and everything it wrote: tslab reports compile and runtime errors on
stderr, which nbclient's own exception text leaves out.
"""
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

src, dst, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
nb = nbformat.read(src, as_version=4)
kernel = os.environ.get("DEEPMEDIX_KERNEL", "deepmedix")
client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=False)
failed = None
try:
    client.execute()
except CellExecutionError:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            failed = i
finally:
    nbformat.write(nb, dst)

if failed is not None:
    cell = nb.cells[failed]
    print(f"cell {failed + 1} failed:\n--- source ---\n{cell.source}\n--- output ---")
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            print(out.get("text", ""), end="")
        elif out.get("output_type") == "error":
            print(f"{out.get('ename')}: {out.get('evalue')}")
    sys.exit(1)
