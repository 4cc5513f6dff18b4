// The entry of the test programs that need nothing before Catch2 runs.
#include "catch_runner.h"

int main(int argc, char** argv) { return run_catch_session(argc, argv); }
