#ifndef OUTOFTREE_GREET_H
#define OUTOFTREE_GREET_H
void greet(const char *who);
#endif
