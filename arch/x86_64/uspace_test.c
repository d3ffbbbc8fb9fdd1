#include <core/ktest.h>
