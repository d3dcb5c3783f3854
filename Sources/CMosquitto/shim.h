#pragma once
/* libmosquitto (Eclipse Mosquitto's MQTT client library, Debian libmosquitto-dev) for Swift: MQTT 3.1.1 with
 * QoS 1, retained messages, last will, and a network thread of its own (mosquitto_loop_start) that reconnects
 * with backoff. Every function imports as is; nothing variadic. */
#include <mosquitto.h>
/* shutdown(2) on the client's socket: the tests use it to make the broker see an unclean loss (last will). */
#include <sys/socket.h>
