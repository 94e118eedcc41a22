"""A USB barcode scanner emulated with umockdev, live: plug, scan, unplug.

Kasse's own emulator for its libusb tests. It answers the usbfs ioctls libusb uses
(capabilities, kernel driver query/detach/attach, claim/release, control transfers for
descriptors, interrupt URBs, discard, reap) from a GObject handler, and completes the
scanner's interrupt URBs with the reports `kasse scanner encode` makes for a text.

Must run inside umockdev's preload (scenario.py re-executes itself through
umockdev-wrapper).
"""
import errno
import struct
import subprocess
import time
import threading

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402


def _ioc(direction, number, size):
    return (direction << 30) | (size << 16) | (ord("U") << 8) | number


READ, WRITE = 2, 1
USBDEVFS_CONTROL = _ioc(READ | WRITE, 0, 24)
USBDEVFS_GETDRIVER = _ioc(WRITE, 8, 260)
USBDEVFS_SUBMITURB = _ioc(READ, 10, 56)
USBDEVFS_DISCARDURB = _ioc(0, 11, 0)
USBDEVFS_REAPURB = _ioc(WRITE, 12, 8)
USBDEVFS_REAPURBNDELAY = _ioc(WRITE, 13, 8)
USBDEVFS_CLAIMINTERFACE = _ioc(READ, 15, 4)
USBDEVFS_RELEASEINTERFACE = _ioc(READ, 16, 4)
USBDEVFS_IOCTL = _ioc(READ | WRITE, 18, 16)
USBDEVFS_CLEAR_HALT = _ioc(READ, 21, 4)
USBDEVFS_DISCONNECT = _ioc(0, 22, 0)
USBDEVFS_CONNECT = _ioc(0, 23, 0)
USBDEVFS_GET_CAPABILITIES = _ioc(READ, 26, 4)
USBDEVFS_DISCONNECT_CLAIM = _ioc(READ, 27, 264)
USBDEVFS_SETINTERFACE = _ioc(READ, 4, 8)

URB_TYPE_INTERRUPT, URB_TYPE_CONTROL = 1, 2
ESHUTDOWN = 108

# HID report descriptor of a boot keyboard (63 bytes), and of a HID POS scanner.
BOOT_KEYBOARD_REPORT = bytes.fromhex(
    "05010906a101050719e029e71500250175019508810295017508810195057501050819012905910295017503910195"
    "0675081500256505071900296581 00c0".replace(" ", ""))
HID_POS_REPORT = bytes.fromhex(
    "068c000902a101850209120975150026ff0075089540820201c0")


def reports_for(kasse, text, layout="us", pos=False):
    """The reports a scanner in this layout (or in HID POS mode) sends for the text."""
    command = [kasse, "scanner", "encode", "--layout", layout, text]
    if pos:
        command.insert(3, "--pos")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [bytes.fromhex(line) for line in output.split()]


class Scanner:
    """One scanner on bus 1 at `port` (sysname 1-<port>), device number `devnum`."""

    def __init__(self, testbed, kasse, devnum=2, port="1", vid=0x05E0, pid=0x1200, kernel_driver=None,
                 layout="us", pos=False, serial="S123456789"):
        self.testbed = testbed
        self.kasse = kasse
        self.devnum = devnum
        self.port = port
        self.vid = vid
        self.pid = pid
        self.driver = kernel_driver
        self.layout = layout
        self.pos = pos
        self.serial = serial
        self.devnode = "/dev/bus/usb/001/%03d" % devnum
        self.syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%s" % port
        self.lock = threading.Lock()
        self.pending = []          # submitted interrupt URBs: (urb_block, buffer_block)
        self.control = []          # submitted control URBs with their answers
        self.discarded = []
        self.completed = []        # (urb_block, status, data) ready to reap
        self.reports = []
        self.unplugged = False
        self.log = []              # ioctl names, for assertions (e.g. CONNECT on close)
        self.handler = None

    # --- descriptors ---------------------------------------------------------
    def descriptors(self):
        report_length = len(HID_POS_REPORT if self.pos else BOOT_KEYBOARD_REPORT)
        packet = 64 if self.pos else 8
        device = struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, 0, 0, 0, 64, self.vid, self.pid, 0x0100, 1, 2, 3, 1)
        config = struct.pack("<BBHBBBBB", 9, 2, 34, 1, 1, 0, 0xA0, 50)
        subclass, protocol = (0, 0) if self.pos else (1, 1)
        interface = struct.pack("<BBBBBBBBB", 9, 4, 0, 0, 1, 3, subclass, protocol, 0)
        hid = struct.pack("<BBHBBBH", 9, 0x21, 0x0111, 0, 1, 0x22, report_length)
        endpoint = struct.pack("<BBBBHB", 7, 5, 0x81, 3, packet, 1)
        return device + config + interface + hid + endpoint

    def umockdev_text(self):
        blob = self.descriptors().hex().upper()
        lines = [
            "P: %s" % self.syspath[len("/sys"):],
            "N: bus/usb/001/%03d=%s" % (self.devnum, blob),
            "E: BUSNUM=001", "E: DEVNAME=%s" % self.devnode, "E: DEVNUM=%03d" % self.devnum,
            "E: DEVTYPE=usb_device", "E: DRIVER=usb", "E: ID_VENDOR_ID=%04x" % self.vid, "E: ID_MODEL_ID=%04x" % self.pid,
            "E: MAJOR=189", "E: MINOR=%d" % (self.devnum - 1), "E: PRODUCT=%x/%x/100" % (self.vid, self.pid),
            "E: SUBSYSTEM=usb", "E: TYPE=0/0/0",
            "A: authorized=1\\n", "A: bConfigurationValue=1\\n", "A: bDeviceClass=00\\n", "A: bMaxPacketSize0=64\\n",
            "A: bNumConfigurations=1\\n", "A: bNumInterfaces= 1\\n", "A: bcdDevice=0100\\n", "A: busnum=1\\n",
            "H: descriptors=%s" % blob, "A: dev=189:%d\\n" % (self.devnum - 1), "A: devnum=%d\\n" % self.devnum,
            "A: devpath=%s\\n" % self.port, "A: idProduct=%04x\\n" % self.pid, "A: idVendor=%04x\\n" % self.vid,
            "A: manufacturer=Kasse Test Scanners\\n", "A: product=Emulated Scanner\\n", "A: serial=%s\\n" % self.serial,
            "A: speed=12\\n", "A: version= 2.00\\n",
        ]
        return "\n".join(lines) + "\n"

    def string_descriptor(self, index):
        if index == 0:
            return bytes([4, 3, 0x09, 0x04])
        text = {1: "Kasse Test Scanners", 2: "Emulated Scanner", 3: self.serial}.get(index)
        if text is None:
            return None
        encoded = text.encode("utf-16-le")
        return bytes([2 + len(encoded), 3]) + encoded

    # --- life cycle ----------------------------------------------------------
    def plug(self):
        self.handler = UMockdev.IoctlBase()
        self.handler.connect("handle-ioctl", self._handle)
        # The handler must be attached before the device appears (the add uevent makes
        # the program open it at once).
        self.testbed.attach_ioctl(self.devnode, self.handler)
        self.testbed.add_from_string(self.umockdev_text())

    def scan(self, text):
        reports = reports_for(self.kasse, text, self.layout, self.pos)
        with self.lock:
            self.reports.extend(reports)
            self._complete_interrupts()

    def scan_stalled(self, text, stall):
        """Sends the first half of the scan's reports, stops for `stall` seconds (a scanner
        or hub that stalls), then sends the rest."""
        reports = reports_for(self.kasse, text, self.layout, self.pos)
        half = len(reports) // 2
        with self.lock:
            self.reports.extend(reports[:half])
            self._complete_interrupts()
        time.sleep(stall)
        with self.lock:
            self.reports.extend(reports[half:])
            self._complete_interrupts()

    def unplug(self):
        with self.lock:
            self.unplugged = True
            for urb, _ in self.pending:
                self.completed.append((urb, -ESHUTDOWN, b""))
            self.pending = []
        self.testbed.uevent(self.syspath, "remove")
        self.testbed.remove_device(self.syspath)
        self.testbed.detach_ioctl(self.devnode)

    def close(self):
        if self.handler is not None:
            self.handler.disconnect_by_func(self._handle)
        self.handler = None

    # --- usbfs -----------------------------------------------------------------
    def _complete_interrupts(self):
        while self.pending and self.reports:
            urb, buffer = self.pending.pop(0)
            self.completed.append((urb, 0, self.reports.pop(0), buffer))

    def _handle(self, handler, client):
        request = client.get_request()
        arg = client.get_arg()
        with self.lock:
            if self.unplugged and request not in (USBDEVFS_REAPURB, USBDEVFS_REAPURBNDELAY):
                client.complete(-1, errno.ENODEV)
                return True
            return self._dispatch(request, arg, client)

    def _dispatch(self, request, arg, client):
        if request == USBDEVFS_GET_CAPABILITIES:
            arg.resolve(0, 4).update(0, struct.pack("<I", 0x1F))
            client.complete(0, 0)
        elif request == USBDEVFS_GETDRIVER:
            self.log.append("GETDRIVER")
            if self.driver is None:
                client.complete(-1, errno.ENODATA)
            else:
                arg.resolve(0, 260).update(4, self.driver.encode() + b"\0")
                client.complete(0, 0)
        elif request == USBDEVFS_IOCTL:
            code = struct.unpack("<i", bytes(arg.resolve(0, 16).retrieve())[4:8])[0]
            if code == USBDEVFS_DISCONNECT:
                self.log.append("DISCONNECT")
                if self.driver is None:
                    client.complete(-1, errno.ENODATA)
                else:
                    self.driver = None
                    client.complete(0, 0)
            elif code == USBDEVFS_CONNECT:
                self.log.append("CONNECT")
                self.driver = "usbhid"
                client.complete(0, 0)
            else:
                client.complete(-1, errno.ENOTTY)
        elif request == USBDEVFS_DISCONNECT_CLAIM:
            client.complete(-1, errno.ENOTTY)
        elif request == USBDEVFS_CLAIMINTERFACE:
            self.log.append("CLAIM")
            client.complete(-1, errno.EBUSY) if self.driver else client.complete(0, 0)
        elif request in (USBDEVFS_RELEASEINTERFACE, USBDEVFS_CLEAR_HALT, USBDEVFS_SETINTERFACE):
            self.log.append("RELEASE" if request == USBDEVFS_RELEASEINTERFACE else "OTHER")
            client.complete(0, 0)
        elif request == USBDEVFS_SUBMITURB:
            urb = arg.resolve(0, 56)
            fields = bytes(urb.retrieve())
            kind, endpoint = fields[0], fields[1]
            length = struct.unpack("<i", fields[24:28])[0]
            buffer = urb.resolve(16, length)
            if kind == URB_TYPE_CONTROL:
                setup = bytes(buffer.retrieve())[:8]
                answer = self._control(setup)
                if answer is None:
                    self.completed.append((urb, -errno.EPIPE, b"", buffer))
                else:
                    self.completed.append((urb, 0, answer[: max(0, length - 8)], buffer, 8))
            elif kind == URB_TYPE_INTERRUPT and endpoint == 0x81:
                self.pending.append((urb, buffer))
                self._complete_interrupts()
            else:
                client.complete(-1, errno.EINVAL)
                return True
            client.complete(0, 0)
        elif request == USBDEVFS_DISCARDURB:
            raw = bytes(arg.retrieve())
            target = struct.unpack("<Q", raw[:8])[0] if len(raw) >= 8 else None
            for index, (urb, buffer) in enumerate(self.pending):
                if target is None or urb.client_addr == target or len(self.pending) == 1:
                    self.pending.pop(index)
                    self.completed.append((urb, -errno.ENOENT, b"", buffer))
                    client.complete(0, 0)
                    return True
            client.complete(-1, errno.EINVAL)
        elif request in (USBDEVFS_REAPURB, USBDEVFS_REAPURBNDELAY):
            if not self.completed:
                client.complete(-1, errno.EAGAIN)
                return True
            entry = self.completed.pop(0)
            urb, status, data, buffer = entry[0], entry[1], entry[2], entry[3]
            offset = entry[4] if len(entry) > 4 else 0
            if data:
                buffer.update(offset, bytes(data))
            urb.update(4, struct.pack("<i", status))
            urb.update(28, struct.pack("<i", len(data)))
            arg.resolve(0, 8).set_ptr(0, urb)
            client.complete(0, 0)
        else:
            return False
        return True

    def _control(self, setup):
        request_type, request, value, index, length = struct.unpack("<BBHHH", setup)
        if request == 0x06 and request_type in (0x80, 0x81):
            kind, number = value >> 8, value & 0xFF
            if kind == 0x01:
                return self.descriptors()[:18]
            if kind == 0x02:
                return self.descriptors()[18:]
            if kind == 0x03:
                return self.string_descriptor(number)
            if kind == 0x22:
                return HID_POS_REPORT if self.pos else BOOT_KEYBOARD_REPORT
            return None
        if request_type == 0x21 and request in (0x09, 0x0A, 0x0B):
            return b""
        return None
