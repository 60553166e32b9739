/*
 * The closeonce executable: the command line over the built-in targets.
 */
#include "closeonce/kit.h"

int main(int argc, char **argv) {
  return co_cli_main(argc, argv);
}
