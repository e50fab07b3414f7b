RT_SRCS += lib/errno.c
