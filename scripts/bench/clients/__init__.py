"""One module per implementation: a WebSocket client under test.

Each runs in its implementation's virtual environment against the fixed echo
server, runs one scenario given as a JSON argument and prints ``RESULT
{json}`` with its throughput and its own CPU time (``time.process_time``:
every thread of the process, over the measured spans only).

"""
