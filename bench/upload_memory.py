"""Upload benchmark: does ScormCloudClient.upload_import stream, and is it as fast as a plain upload?

It writes a valid SCORM 1.2 package padded with a large stored (uncompressed) file, starts an
emulator in its own process, then:

* memory: uploads the package through the client in a fresh child process and reports that
  process's peak RSS growth during the upload (on Linux: the RSS high-water mark is reset through
  /proc/self/clear_refs just before the upload, then VmHWM after it minus VmRSS before it;
  elsewhere the ru_maxrss delta, which an earlier peak can hide) and the tracemalloc peak of Python
  allocations during the upload. It does this for a small and a large package, so growth can be
  compared with package size, and once more with requests' own ``files=`` upload, which reads the
  whole file, to show the measurement does see a buffered upload.
* throughput: alternates uploads of the large package through the client and through a plain
  streaming upload with http.client (same multipart body, 1 MiB writes, Content-Length) to the
  same emulator, and compares the median times. Each upload is timed until its response arrives;
  the import job is then waited for and the course deleted, so runs do not overlap.

Targets: memory growth < 32 MB for the 200 MB package; throughput >= 0.8x the plain upload.
Usage: python bench/upload_memory.py [--size-mb 200] [--small-mb 20] [--rounds 5]
"""
import argparse
import http.client
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

MB = 1024 * 1024
APP_ID, SECRET_KEY = "bench", "bench-secret"
MEMORY_TARGET_MB = 32
THROUGHPUT_TARGET = 0.8
PEAK_METHODS = {
    "VmHWM": "VmHWM after the upload minus VmRSS before it, high-water mark reset just before",
    "ru_maxrss": "ru_maxrss delta; an earlier peak can hide growth below it",
}

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench.upload" version="1.0"
          xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Upload benchmark</title>
      <item identifier="item" identifierref="sco"><title>Large course</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="media/filler.bin"/>
    </resource>
  </resources>
</manifest>
"""


def write_package(path: Path, size: int) -> Path:
    """A valid SCORM 1.2 zip of about ``size`` bytes; random filler so nothing compresses."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("index.html", "<!doctype html><title>Large course</title>")
        with archive.open("media/filler.bin", "w", force_zip64=True) as filler:
            remaining = size
            while remaining > 0:
                block = os.urandom(min(MB, remaining))
                filler.write(block)
                remaining -= len(block)
    return path


def run_emulator(data_dir, ready, stop):
    import logging

    from scorm_cloud_emulator.config import EmulatorConfig
    from scorm_cloud_emulator.server import EmulatorServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log
    config = EmulatorConfig(data_dir=data_dir, port=0, app_id=APP_ID, secret_key=SECRET_KEY)
    with EmulatorServer(config) as server:
        ready.send(server.api_url)
        stop.wait()


def client_for(api_url):
    from scorm_cloud_xblock.client import ScormCloudClient

    return ScormCloudClient(APP_ID, SECRET_KEY, base_url=api_url, timeout=(5, 300))


def finish_import(api_url, course_id, job_id):
    """Wait for the job, check it imported, and delete the course to free the emulator's disk."""
    with client_for(api_url) as client:
        while (job := client.import_status(job_id)).status == "RUNNING":
            time.sleep(0.2)
        if job.status != "COMPLETE":
            raise SystemExit(f"import of {course_id} failed: {job.message}")
        client.delete_course(course_id)


def _status_kib(field):
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(field + ":")).split()[1])


def reset_peak_rss():
    """Start a new RSS high-water mark; return (how the peak is measured, baseline in KiB)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # Linux: resets VmHWM to the current RSS
        return "VmHWM", _status_kib("VmRSS")
    except OSError:  # no /proc: the lifetime peak, which may hide growth below an earlier peak
        return "ru_maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss(method):
    if method == "VmHWM":
        return _status_kib("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def measure_memory(api_url, package, course_id, method, result):
    """In a fresh process: peak RSS growth and tracemalloc peak of one upload."""
    import requests  # noqa: F401  (imported before the baseline, like the client)

    with client_for(api_url) as client:
        client.ping()  # opens the pooled connection before the baseline
        tracemalloc.start()
        peak_method, before = reset_peak_rss()
        with open(package, "rb") as fileobj:
            if method == "client":
                job_id = client.upload_import(course_id, fileobj)
            else:  # requests' multipart encoder builds the whole body in memory
                response = client.session.post(
                    client.base_url + "courses/importJobs/upload", params={"courseId": course_id},
                    files={"file": ("package.zip", fileobj, "application/zip")}, timeout=client.timeout)
                response.raise_for_status()
                job_id = response.json()["result"]
        growth = (peak_rss(peak_method) - before) * 1024
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    result.send((growth, traced_peak, peak_method, job_id))


def memory_run(api_url, package, course_id, method="client"):
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=measure_memory, args=(api_url, str(package), course_id, method, send))
    child.start()
    rss_growth, traced_peak, peak_method, job_id = receive.recv()
    child.join()
    finish_import(api_url, course_id, job_id)
    return rss_growth, traced_peak, peak_method


def plain_upload(api_url, package, course_id):
    """The baseline: the same multipart body written with http.client in 1 MiB blocks."""
    import base64
    import json

    url = urlsplit(api_url)
    boundary = "benchboundary0123456789"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"package.zip\"\r\n"
            f"Content-Type: application/zip\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = os.path.getsize(package)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
    connection.putrequest("POST", f"{url.path}/courses/importJobs/upload?courseId={course_id}")
    connection.putheader("Authorization", "Basic " + base64.b64encode(f"{APP_ID}:{SECRET_KEY}".encode()).decode())
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("uploadedContentType", "application/zip")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.endheaders()
    connection.send(head)
    with open(package, "rb") as fileobj:
        while block := fileobj.read(MB):
            connection.send(block)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"plain upload failed: {response.status} {body[:200]!r}")
    return json.loads(body)["result"]


def throughput(api_url, package, rounds):
    """Median seconds per upload: (client, plain)."""
    timings = {"client": [], "plain": []}
    with client_for(api_url) as client:
        for round_number in range(rounds):
            # Alternate which goes first, so neither always meets a warmer cache.
            for method in ("plain", "client") if round_number % 2 == 0 else ("client", "plain"):
                course_id = f"speed-{method}-{round_number}"
                start = time.perf_counter()
                if method == "client":
                    with open(package, "rb") as fileobj:
                        job_id = client.upload_import(course_id, fileobj)
                else:
                    job_id = plain_upload(api_url, package, course_id)
                timings[method].append(time.perf_counter() - start)
                finish_import(api_url, course_id, job_id)
    return statistics.median(timings["client"]), statistics.median(timings["plain"])


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--small-mb", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        tmp = Path(tmp)
        small = write_package(tmp / "small.zip", args.small_mb * MB)
        large = write_package(tmp / "large.zip", args.size_mb * MB)
        small_size, large_size = small.stat().st_size, large.stat().st_size

        ctx = multiprocessing.get_context("spawn")
        ready_receive, ready_send = ctx.Pipe(duplex=False)
        stop = ctx.Event()
        emulator = ctx.Process(target=run_emulator, args=(tmp / "emulator", ready_send, stop))
        emulator.start()
        try:
            api_url = ready_receive.recv()
            small_growth, small_traced, peak_method = memory_run(api_url, small, "memory-small")
            large_growth, large_traced, _ = memory_run(api_url, large, "memory-large")
            buffered_growth, _, _ = memory_run(api_url, large, "memory-buffered", method="requests-files")
            client_seconds, plain_seconds = throughput(api_url, large, args.rounds)
        finally:
            stop.set()
            emulator.join(timeout=10)

    large_mb = large_size / MB
    ratio = plain_seconds / client_seconds
    # The measurement counts only if it sees a buffered upload: the control must miss the target.
    measured = buffered_growth >= MEMORY_TARGET_MB * MB
    memory_ok = measured and large_growth < MEMORY_TARGET_MB * MB
    speed_ok = ratio >= THROUGHPUT_TARGET
    print(f"package: {large_mb:.1f} MB (small run: {small_size / MB:.1f} MB)")
    print(f"memory, uploader's peak RSS growth ({PEAK_METHODS[peak_method]}, fresh child process):")
    print(f"  client, {args.small_mb} MB package:  {small_growth / MB:6.1f} MB"
          f"  (tracemalloc peak {small_traced / MB:.2f} MB)")
    print(f"  client, {args.size_mb} MB package: {large_growth / MB:6.1f} MB"
          f"  (tracemalloc peak {large_traced / MB:.2f} MB)"
          f"  = {large_growth / large_size:.3f}x package size")
    print(f"  control, requests files= upload of {args.size_mb} MB: {buffered_growth / MB:6.1f} MB")
    if not measured:
        print(f"  the control stayed under {MEMORY_TARGET_MB} MB, so this run cannot tell streaming from "
              f"buffering: use a package of at least {MEMORY_TARGET_MB} MB")
    print(f"  target < {MEMORY_TARGET_MB} MB at {args.size_mb} MB: {verdict(memory_ok)}")
    print(f"throughput, median of {args.rounds} (until the response):")
    print(f"  client {large_mb / client_seconds:7.1f} MB/s, plain http.client {large_mb / plain_seconds:7.1f} MB/s")
    print(f"  ratio {ratio:.2f}x, target >= {THROUGHPUT_TARGET}x: {verdict(speed_ok)}")
    return 0 if memory_ok and speed_ok else 1


if __name__ == "__main__":
    sys.exit(main())
