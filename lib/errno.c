#include <umbra/errno.h>

const char *umbra_strerror(int err)
{
	switch (err) {
	case UMBRA_OK: return "OK";
	case UMBRA_EINVAL: return "EINVAL";
	case UMBRA_ENOMEM: return "ENOMEM";
	case UMBRA_ETIMEDOUT: return "ETIMEDOUT";
	case UMBRA_ENODEV: return "ENODEV";
	case UMBRA_EAGAIN: return "EAGAIN";
	case UMBRA_EPROTO: return "EPROTO";
	case UMBRA_ECLOSED: return "ECLOSED";
	case UMBRA_ERESCINDED: return "ERESCINDED";
	case UMBRA_EREFUSED: return "EREFUSED";
	case UMBRA_EIO: return "EIO";
	case UMBRA_ENOSPC: return "ENOSPC";
	case UMBRA_EBUSY: return "EBUSY";
	case UMBRA_EPERM: return "EPERM";
	case UMBRA_ECORRUPT: return "ECORRUPT";
	case UMBRA_ENOTSUP: return "ENOTSUP";
	case UMBRA_ERANGE: return "ERANGE";
	case UMBRA_EEXIST: return "EEXIST";
	case UMBRA_ENOENT: return "ENOENT";
	case UMBRA_ENOBUFS: return "ENOBUFS";
	case UMBRA_EMSGSIZE: return "EMSGSIZE";
	case UMBRA_EPOLICY: return "EPOLICY";
	default: return "E?";
	}
}
