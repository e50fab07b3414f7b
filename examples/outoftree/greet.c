#include <umbra/umbra.h>

#include "greet.h"

void greet(const char *who)
{
	umbra_printf("outoftree: hello, %s\n", who);
}
