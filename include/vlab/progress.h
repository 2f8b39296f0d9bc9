/* A progress line on stderr while a long operation runs (up, apply, down,
 * clean of a big lab): "vlab: up dc1000: namespaces 640/1010, operations
 * 2100/9120, 1.4 s", redrawn about every 100 ms from the executor's counts
 * (vl_exec_set_progress) by a thread of its own. Only when stderr is a
 * terminal and neither -q nor -v is given; otherwise start/stop do nothing
 * and the executor runs exactly as without it. The line is erased when
 * the operation ends, so what follows prints as usual. */
#ifndef VLAB_PROGRESS_H
#define VLAB_PROGRESS_H

/* `what`: "up dc1000" (copied). */
void vl_progress_start(const char *what);
void vl_progress_stop(void);

#endif
