/* Common includes for cmocka unit tests. */
#ifndef VLAB_UNIT_H
#define VLAB_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#endif
