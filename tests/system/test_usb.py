# SPDX-License-Identifier: MIT
"""A USB stick, booted the way a PC boots one: `make usb`'s GPT image as a
USB mass-storage device on an xHCI controller, OVMF, no other disk."""
from conftest import cohortvm


def test_usb_stick_on_xhci_boots_to_ready(boot):
    """`make usb`'s image as a USB mass-storage device on an xHCI
    controller, OVMF, no other disk: booted the way a PC boots a stick
    (the firmware finds \\EFI\\BOOT\\BOOTX64.EFI on removable media), on
    its default command line, to the ready line."""
    usb = cohortvm.BUILD / "cohort-usb.img"
    assert usb.exists(), "build/cohort-usb.img missing: run `make usb`"
    b = boot(None, smp=1, stop_on=r"cohort: ready", extra=[
        "-drive", f"if=none,id=stick,format=raw,file={usb},snapshot=on",
        "-device", "qemu-xhci,id=xhci",
        "-device", "usb-storage,bus=xhci.0,drive=stick,removable=on"])
    assert not b.timed_out, "the USB stick did not reach the ready line"
    # The only disk is the stick, so the loader came from it.
    assert "cohort-loader: started" in b.log
    assert "EXCEPTION" not in b.log and "PANIC" not in b.log
