#ifndef KASSE_CLIBUSB_SHIM_H
#define KASSE_CLIBUSB_SHIM_H
#include <libusb.h>

/* libusb_fill_interrupt_transfer is static inline; wrapped so Swift sees one function. */
static inline void kasse_fill_interrupt_transfer(struct libusb_transfer *transfer, libusb_device_handle *handle,
    unsigned char endpoint, unsigned char *buffer, int length, libusb_transfer_cb_fn callback, void *user_data,
    unsigned int timeout) {
    libusb_fill_interrupt_transfer(transfer, handle, endpoint, buffer, length, callback, user_data, timeout);
}

static inline int kasse_hotplug_events(void) {
    return LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT;
}
#endif
