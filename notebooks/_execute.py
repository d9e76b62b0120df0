"""Executes a notebook with the Deno kernel through nbclient; used by run.ts.

    python3 _execute.py check
        prints {"nbclient": version, "nbconvert": version, "kernels": [...]}
    python3 _execute.py execute IN.ipynb OUT.ipynb CELL_TIMEOUT_SECONDS
        executes IN (errors allowed: every cell runs) and writes OUT

Why not plain `nbconvert --execute`: under load, the Deno kernel sometimes
publishes a cell's result on IOPub just *after* its "idle" status. nbclient
stops listening to a cell at "idle", so that result is silently lost (seen
here with Deno 2.9.6: one run in three of the test suite lost a first cell's
output). This client keeps listening for the same cell for a short grace
period after "idle" before moving on.
"""

import asyncio
import json
import os
import queue
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete

# Seconds of IOPub silence (for this cell) after "idle" before the cell is done.
GRACE = 0.3


class GraceClient(NotebookClient):
    """nbclient with a grace period after each cell's idle status."""

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        idle = False
        loop = asyncio.get_running_loop()
        deadline = None
        while True:
            timeout = None if not idle else max(0.0, deadline - loop.time())
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=timeout)
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if idle:
                deadline = loop.time() + GRACE
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True
                deadline = loop.time() + GRACE


def check():
    import nbclient
    import nbconvert
    from jupyter_client.kernelspec import KernelSpecManager

    kernels = sorted(KernelSpecManager().find_kernel_specs())
    print(json.dumps({
        "nbclient": nbclient.__version__,
        "nbconvert": nbconvert.__version__,
        "kernels": kernels,
    }))


def execute(src, dst, cell_timeout):
    nb = nbformat.read(src, as_version=4)
    client = GraceClient(
        nb,
        kernel_name="deno",
        timeout=cell_timeout,
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    client.execute()
    nbformat.write(nb, dst)


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        check()
    elif sys.argv[1:2] == ["execute"] and len(sys.argv) == 5:
        execute(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
