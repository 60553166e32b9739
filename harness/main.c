/*
 * The closeonce executable: the command line over the built-in targets and,
 * when built with them (CO_LIBS), the real libraries' adapters (libs/).
 */
#include "closeonce/kit.h"
#include "closeonce/target.h"

#ifdef CO_WITH_LIBS
#include "libs.h"
#endif

int main(int argc, char **argv) {
#ifdef CO_WITH_LIBS
  co_libs_init();
#endif
  co_targets_freeze();
  return co_cli_main(argc, argv);
}
