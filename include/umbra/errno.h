/* Umbra error codes: every fallible call returns 0 (or a count) on success and one of
 * these negative values on failure. umbra_strerror() gives the readable name. */
#ifndef UMBRA_ERRNO_H
#define UMBRA_ERRNO_H

#define UMBRA_OK          0
#define UMBRA_EINVAL     -1   /* bad argument */
#define UMBRA_ENOMEM     -2   /* out of memory or pages */
#define UMBRA_ETIMEDOUT  -3   /* a bounded wait expired */
#define UMBRA_ENODEV     -4   /* no such device / no Hyper-V */
#define UMBRA_EAGAIN     -5   /* try again (ring full, no data) */
#define UMBRA_EPROTO     -6   /* peer violated the protocol */
#define UMBRA_ECLOSED    -7   /* channel closed */
#define UMBRA_ERESCINDED -8   /* channel rescinded by the host */
#define UMBRA_EREFUSED   -9   /* request refused by the peer */
#define UMBRA_EIO        -10  /* hypercall / platform failure */
#define UMBRA_ENOSPC     -11  /* message too large for the ring */
#define UMBRA_EBUSY      -12  /* resource in use */
#define UMBRA_EPERM      -13  /* operation violates the memory policy */
#define UMBRA_ECORRUPT   -14  /* shared state failed validation; object stays failed */
#define UMBRA_ENOTSUP    -15  /* not supported in this configuration */
#define UMBRA_ERANGE     -16  /* value out of range */
#define UMBRA_EEXIST     -17  /* already exists */
#define UMBRA_ENOENT     -18  /* not found */
#define UMBRA_ENOBUFS    -19  /* shared bounce pool exhausted */
#define UMBRA_EMSGSIZE   -20  /* packet above the channel's max_packet_bytes */
#define UMBRA_EPOLICY    -21  /* refused by the app's confidentiality policy (umbra/vmbus.h) */

const char *umbra_strerror(int err);

#endif
