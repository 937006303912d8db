// warpdrive: build, run and operate a Python web application.
// All logic is in the core library (src/lib); see cli.cpp for the commands.
#include "cli.hpp"

extern char** environ;

int main(int argc, char** argv) { return wd::main_entry(argc, argv, environ); }
