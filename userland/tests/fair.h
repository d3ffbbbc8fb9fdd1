/*
 * Shared between t_fair and its helper p_fair: the layout of the page
 * the test shares with both children (64-bit words).
 */
#ifndef TESTS_FAIR_H
#define TESTS_FAIR_H

#define FAIR_HAMMER 0           /* role: calls the memory server back to back */
#define FAIR_PEER   1           /* role: computes, never asks the server anything */

/* Words of role r start at FAIR_BASE(r). */
#define FAIR_BASE(r)   (8 + 8 * (r))
#define FAIR_READY     0        /* the child runs on CPU 0 and waits for the other */
#define FAIR_COUNT     1        /* its units of work (server calls, or loop rounds) */
#define FAIR_SEEN      2        /* ticks of the core's clock it saw go by while it ran */
#define FAIR_MAX_GAP   3        /* the longest it waited, in ticks, between two looks at the clock */
#define FAIR_DONE      4        /* its results are written */
#define FAIR_ERRORS    5        /* calls that failed (the hammer) */

/* Ticks each child runs for once both are ready. */
#define FAIR_WINDOW    200

#endif
