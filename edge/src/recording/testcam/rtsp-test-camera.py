#!/usr/bin/python3
"""RTSP test camera on loopback for tests and the demo.

Serves an H.264 stream encoded once from videotestsrc (no B-frames, a key frame about every
second, optional AAC audio) at rtsp://127.0.0.1:PORT/cam. The media is shared, so any number of
clients cost one encoder. Prints "READY rtsp://..." on stdout once listening; exits on SIGTERM
or SIGINT, or when stdin closes (so it never outlives its launcher).
"""
import argparse
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--bitrate", type=int, default=800, help="kbit/s")
    p.add_argument("--audio", action="store_true")
    p.add_argument("--pattern", default="ball")
    p.add_argument("--path", default="/cam")
    a = p.parse_args()

    Gst.init(None)
    video = (
        f"videotestsrc is-live=true pattern={a.pattern} ! "
        f"video/x-raw,width={a.width},height={a.height},framerate={a.fps}/1 ! "
        "timeoverlay ! videoconvert ! video/x-raw,format=I420 ! "
        f"x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max={a.fps} "
        f"bitrate={a.bitrate} ! video/x-h264,profile=baseline ! h264parse config-interval=-1 ! "
        "rtph264pay name=pay0 pt=96 config-interval=1"
    )
    audio = (
        " audiotestsrc is-live=true wave=sine volume=0.1 ! audio/x-raw,rate=16000,channels=1 ! "
        "audioconvert ! avenc_aac bitrate=32000 ! aacparse ! rtpmp4gpay name=pay1 pt=97"
    )
    launch = "( " + video + (audio if a.audio else "") + " )"

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    server.get_mount_points().add_factory(a.path, factory)
    if server.attach(None) == 0:
        print("ERROR cannot listen", file=sys.stderr, flush=True)
        return 1
    port = server.get_bound_port()
    loop = GLib.MainLoop()

    def stop(*_args):
        GLib.idle_add(loop.quit)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin():
        try:
            while sys.stdin.read(4096):
                pass
        except Exception:
            pass
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"READY rtsp://127.0.0.1:{port}{a.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
