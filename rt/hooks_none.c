/* Production images: no platform hooks (rt/runtime.h struct rt_platform_hooks). */
#include "rt/runtime.h"

const struct rt_platform_hooks rt_platform_hooks = { .name = "platform" };
