// Runs the test cases linked into the program, as Catch2's own main does.
#pragma once

int run_catch_session(int argc, char** argv);
