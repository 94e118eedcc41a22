#!/usr/bin/env python3
"""Runs one scanner scenario against the real `kasse scanner listen` under umockdev.

Usage: scenario.py NAME KASSE_BINARY   (prints one JSON report on stdout)

Scenarios: basic, norwegian, stall, driver, replug, two, pos. Each waits for what kasse prints
(connected, scans, disconnected) rather than for fixed times, within bounded deadlines.
"""
import json
import os
import select
import signal
import subprocess
import sys
import time

URL = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
EAN = "7040000000016"

if os.environ.get("KASSE_UNDER_UMOCKDEV") != "1":
    # The script itself must run under umockdev's preload: the testbed's uevents are
    # built in this process.
    os.environ["KASSE_UNDER_UMOCKDEV"] = "1"
    os.execvp("umockdev-wrapper", ["umockdev-wrapper", "/usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:])

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanner_emulator import Scanner, UMockdev  # noqa: E402


class Program:
    def __init__(self, arguments, testbed):
        environment = dict(os.environ, UMOCKDEV_DIR=testbed.get_root_dir())
        self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
        self.stdout, self.stderr = [], []
        self._buffers = {self.process.stdout.fileno(): b"", self.process.stderr.fileno(): b""}

    def _pump(self, timeout):
        streams = [fd for fd in self._buffers]
        ready, _, _ = select.select(streams, [], [], timeout)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                self._buffers.pop(fd, None)
                continue
            data = self._buffers[fd] + chunk
            *lines, rest = data.split(b"\n")
            self._buffers[fd] = rest
            target = self.stdout if fd == self.process.stdout.fileno() else self.stderr
            target.extend(line.decode("utf-8", "replace") for line in lines)

    def wait_for(self, stream, text, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        lines = self.stdout if stream == "stdout" else self.stderr
        while sum(text in line for line in lines) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._buffers:
                raise TimeoutError("waited for %r x%d on %s; have stdout=%r stderr=%r"
                                   % (text, count, stream, self.stdout, self.stderr))
            self._pump(min(remaining, 0.5))

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        while self.process.poll() is None and time.monotonic() < deadline:
            self._pump(0.2)
        if self.process.poll() is None:
            self.process.kill()
        while self._buffers:
            self._pump(0.2)
        return self.process.wait()


def main():
    name, kasse = sys.argv[1], sys.argv[2]
    testbed = UMockdev.Testbed.new()
    scanners = []
    report = {"scenario": name}

    def scanner(**options):
        device = Scanner(testbed, kasse, **options)
        scanners.append(device)
        return device

    # A long pause, so that a scan the emulator delivers slowly on a busy machine is never cut
    # in two before its Enter is learnt; the stall scenario keeps the default it is about.
    listen = [kasse, "scanner", "listen", "--json"] + ([] if name == "stall" else ["--pause-ms", "5000"])
    try:
        if name == "basic":
            device = scanner(devnum=2, port="1")
            device.plug()
            program = Program(listen + ["--device", "05e0:1200"], testbed)
            program.wait_for("stderr", "connected: 05e0:1200@1-1")
            device.scan(URL)
            device.scan(EAN)
            program.wait_for("stdout", '"device"', count=2)
        elif name in ("norwegian", "stall"):
            device = scanner(devnum=2, port="1", layout="no")
            device.plug()
            program = Program(listen + ["--layout", "no"], testbed)
            program.wait_for("stderr", "connected:")
            device.scan(URL)
            program.wait_for("stdout", '"device"')
            if name == "stall":
                # The same scanner (it sends Enter), stalling for 1 s and 3 s in the middle of a QR code.
                device.scan_stalled(URL, 1.0)
                program.wait_for("stdout", '"device"', count=2)
                device.scan_stalled(URL, 3.0)
                program.wait_for("stdout", '"device"', count=3)
        elif name == "driver":
            device = scanner(devnum=2, port="1", kernel_driver="usbhid")
            device.plug()
            program = Program(listen, testbed)
            program.wait_for("stderr", "connected:")
            device.scan(URL)
            program.wait_for("stdout", '"device"')
        elif name == "replug":
            program = Program(listen, testbed)
            program.wait_for("stderr", "listening")
            first = scanner(devnum=2, port="1")
            first.plug()
            program.wait_for("stderr", "connected: 05e0:1200@1-1")
            first.scan(EAN)
            program.wait_for("stdout", EAN)
            first.unplug()
            program.wait_for("stderr", "disconnected: 05e0:1200@1-1")
            second = scanner(devnum=3, port="1")
            second.plug()
            program.wait_for("stderr", "connected: 05e0:1200@1-1", count=2)
            second.scan(URL)
            program.wait_for("stdout", "personal-qr")
        elif name == "two":
            cashier = scanner(devnum=2, port="1", serial="CASHIER1")
            kiosk = scanner(devnum=3, port="2", serial="KIOSK001")
            cashier.plug()
            kiosk.plug()
            program = Program(listen + ["--device", "05e0:1200@1-1", "--device", "05e0:1200@1-2"], testbed)
            program.wait_for("stderr", "connected:", count=2)
            kiosk.scan(URL)
            cashier.scan(EAN)
            kiosk.scan("https://qr.mobilepay.dk/p/7f3c9a2e5b1d4e8fa06c")
            program.wait_for("stdout", '"device"', count=3)
        elif name == "pos":
            device = scanner(devnum=2, port="1", vid=0x1EAB, pid=0x1A03, pos=True)
            device.plug()
            program = Program(listen + ["--device", "1eab"], testbed)
            program.wait_for("stderr", "connected: 1eab:1a03@1-1 hid-pos")
            long_code = "https://qr.mobilepay.fi/p/" + "c2a1d9e7f4b64a3e9d21" * 5
            device.scan(long_code)
            device.scan(EAN)
            program.wait_for("stdout", '"device"', count=2)
        elif name == "till":
            # The till in a terminal (tmux), reading a customer-facing kiosk scanner.
            config, socket = sys.argv[3], sys.argv[4]
            kiosk = scanner(devnum=2, port="1")
            kiosk.plug()
            environment = "UMOCKDEV_DIR=%s LD_PRELOAD=%s TERM=xterm-256color" % (
                testbed.get_root_dir(), os.environ.get("LD_PRELOAD", ""))
            command = "%s %s till --config %s; sleep 60" % (environment, kasse, config)
            subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", "till", "-x", "100", "-y", "30", command],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def screen_shows(text, timeout=30):
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    screen = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "till"],
                                            capture_output=True, text=True).stdout
                    if text in screen:
                        return screen
                    time.sleep(0.1)
                raise TimeoutError("screen never showed %r:\n%s" % (text, screen))

            # With a customer display (argv 5 and 6: the till's display address and secret): the
            # customer reads the answers to their own scans there.
            display = len(sys.argv) > 6
            if display:
                display_command = "TERM=xterm-256color KASSE_DISPLAY_SECRET=%s %s display --till %s --log %s; sleep 60" % (
                    sys.argv[6], kasse, sys.argv[5], os.path.join(os.path.dirname(config), "display.log"))
                subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", "display", "-x", "40", "-y", "12", display_command],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def display_shows(text, timeout=30):
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    screen = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "display"],
                                            capture_output=True, text=True).stdout
                    if text in " ".join(screen.split()):
                        return screen
                    time.sleep(0.1)
                raise TimeoutError("the customer display never showed %r:\n%s" % (text, screen))

            screen_shows("scanner: ok")
            # The demo cashier logs in first.
            screen_shows("Employee number:")
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "-l", "1001"], check=True)
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "Enter"], check=True)
            screen_shows("PIN:")
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "-l", "1234"], check=True)
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "Enter"], check=True)
            screen_shows("Logged in: Kari Kasserer")
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "-l", "7040000000016"], check=True)
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "Enter"], check=True)
            screen_shows("Lettmelk 1 l")
            if display:
                display_shows("Lettmelk 1 l")
            kiosk.scan("7040000000023")  # a product on the kiosk scanner is refused
            screen_shows("only reads personal QR codes")
            if display:
                # In words a customer understands (the display wraps them: compared without line breaks).
                report["display_refused"] = display_shows("That is a product barcode. Show the QR code in your Vipps or MobilePay app.")
            kiosk.scan(URL)
            screen_shows("Customer: Vipps QR")
            if display:
                report["display_recognised"] = display_shows("Thank you, your code is read")
            subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "till", "F4"], check=True)
            report["screen"] = screen_shows("WAITING FOR THE CUSTOMER")
            if display:
                report["display_approve"] = display_shows("Approve NOK 24.90 in your app")
                # The customer approves in the app (the simulator, argv 7): PAID on both screens.
                if len(sys.argv) > 7:
                    import urllib.request
                    simulator = sys.argv[7]
                    with urllib.request.urlopen(simulator + "/simulator/v1/payments", timeout=30) as answer:
                        reference = json.loads(answer.read())[-1]["reference"]
                    request = urllib.request.Request(simulator + "/simulator/v1/payments/%s/approve" % reference, method="POST", data=b"")
                    urllib.request.urlopen(request, timeout=30).read()
                    screen_shows("PAID", timeout=90)
                    report["display_paid"] = display_shows("PAID NOK 24.90", timeout=90)
            report.update(ok=True, exit=0, stdout=[], stderr=[])
            report["ioctls"] = {str(s.devnum): s.log for s in scanners}
            for device in scanners:
                device.close()
            print(json.dumps(report))
            return
        elif name == "list":
            scanner(devnum=2, port="1", kernel_driver="usbhid").plug()
            scanner(devnum=3, port="2", vid=0x1EAB, pid=0x1A03, pos=True).plug()
            scanner(devnum=4, port="3", vid=0x1234, pid=0x5678).plug()
            result = subprocess.run([kasse, "scanner", "list", "--json"], capture_output=True, text=True, timeout=30,
                                    env=dict(os.environ, UMOCKDEV_DIR=testbed.get_root_dir()))
            report.update(ok=result.returncode == 0, exit=result.returncode, stdout=[result.stdout], stderr=[result.stderr])
            report["ioctls"] = {str(s.devnum): s.log for s in scanners}
            for device in scanners:
                device.close()
            print(json.dumps(report))
            return
        else:
            raise SystemExit("unknown scenario " + name)
        report["exit"] = program.stop()
        report["ok"] = True
    except TimeoutError as error:
        report["ok"] = False
        report["error"] = str(error)
        try:
            report["exit"] = program.stop()
        except Exception:  # noqa: BLE001
            pass
    report["stdout"] = program.stdout if "program" in dir() else []
    report["stderr"] = program.stderr if "program" in dir() else []
    report["ioctls"] = {str(s.devnum): s.log for s in scanners}
    for device in scanners:
        device.close()
    print(json.dumps(report))


main()
