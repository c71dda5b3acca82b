// Package load drives concurrent updates of one hot object on a real API
// server and measures them: how many were applied, how many were lost,
// how many API calls and conflicts each cost, throughput and latency. The
// demo (make demo) and the benchmarks (make bench) are built on it.
package load
