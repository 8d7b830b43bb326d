"""A stand-in SMS gateway for the delivery benchmark: answers every POST after ``--latency``
seconds, as a real SMS API does, and counts the calls and the repeated idempotency keys.

Run as its own process (``python -m beiyang.bench.gateway --port P --latency 0.05``), so that
its work does not share the benchmark's interpreter. ``GET /stats`` answers the counts."""

from __future__ import annotations

import argparse
import asyncio
import collections
import json


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    keys: collections.Counter = collections.Counter()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method = lines[0].split(" ")[0]
                headers = {
                    k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                length = int(headers.get("content-length", "0"))
                if length:
                    await reader.readexactly(length)
                if method == "POST":
                    keys[headers.get("idempotency-key", "")] += 1
                    await asyncio.sleep(args.latency)
                    body = json.dumps({"id": f"gw-{sum(keys.values())}"}).encode()
                else:
                    repeated = sum(1 for n in keys.values() if n > 1)
                    body = json.dumps({"calls": sum(keys.values()), "repeated_keys": repeated}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", args.port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
