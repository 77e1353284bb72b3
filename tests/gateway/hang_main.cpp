// A stand-in for charon that starts, logs one line and then waits forever without ever
// sending READY=1: it exercises the supervisor's ready timeout under the real confinement.
#include <poll.h>
#include <unistd.h>

int main() {
  static const char kLine[] = "hang helper started\n";
  if (write(1, kLine, sizeof kLine - 1) < 0) return 1;
  for (;;) poll(nullptr, 0, -1);
}
