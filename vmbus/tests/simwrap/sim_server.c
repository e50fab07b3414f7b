#include "vmbus/tests/simwrap/simwrap.h"
#include "tests/sim/sim_server.c"
