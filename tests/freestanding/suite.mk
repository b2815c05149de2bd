# SPDX-License-Identifier: MIT
# Builds the Catch2 suite (every tests/test_*.cpp) for another target, with Catch2 compiled from
# its amalgamated source. Used by build_suite.sh; all variables come from there:
#   ROOT OUT CXX TARGET_FLAGS LINK_FLAGS CATCH2_DIR SHIM_DIR
# Split as in tests/CMakeLists.txt: a test file that defines or undefines a configuration macro
# (NDEBUG or PIDALLOC_*) is linked alone, into $(OUT)/pid_allocator_tests_<name> for
# tests/test_<name>.cpp, so that its view of the library cannot clash with the other files' (one-
# definition rule); all the other files make up $(OUT)/pid_allocator_tests.
SRCS := $(sort $(wildcard $(ROOT)/tests/test_*.cpp))
OWN := $(sort $(shell grep -lE '^[[:space:]]*#[[:space:]]*(define|undef)[[:space:]]+(NDEBUG|PIDALLOC_[A-Za-z0-9_]*)' $(SRCS)))
SHARED := $(filter-out $(OWN),$(SRCS))
obj = $(patsubst $(ROOT)/tests/%.cpp,$(OUT)/obj/%.o,$(1))
OBJS := $(call obj,$(SRCS))
OWN_EXES := $(patsubst $(ROOT)/tests/test_%.cpp,$(OUT)/pid_allocator_tests_%,$(OWN))
WARNINGS := -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror
CXXFLAGS := -std=c++20 -O1 $(TARGET_FLAGS) -pthread -I$(ROOT)/include -I$(ROOT)/tests -isystem $(SHIM_DIR)

# The split as last built: rewritten only when it changes, which relinks every executable (a file
# that moves out of pid_allocator_tests must not stay linked into it) and deletes the executables
# of files that no longer have one (run_suite.sh runs whatever is there).
SPLIT := $(OUT)/split.txt
$(shell mkdir -p $(OUT) && { echo '$(OWN)' | cmp -s - $(SPLIT) || \
  { rm -f $(OUT)/pid_allocator_tests_*; echo '$(OWN)' >$(SPLIT); }; })

all: $(OUT)/pid_allocator_tests $(OWN_EXES)

$(OUT)/pid_allocator_tests: $(call obj,$(SHARED)) $(OUT)/catch_amalgamated.o $(SPLIT)
	$(CXX) $(TARGET_FLAGS) $(LINK_FLAGS) -pthread $(filter %.o,$^) -o $@

$(OUT)/pid_allocator_tests_%: $(OUT)/obj/test_%.o $(OUT)/catch_amalgamated.o $(SPLIT)
	$(CXX) $(TARGET_FLAGS) $(LINK_FLAGS) -pthread $(filter %.o,$^) -o $@

$(OUT)/obj/%.o: $(ROOT)/tests/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(WARNINGS) -MMD -MP -c $< -o $@

# Built once per target and kept: the slowest file of the suite.
$(OUT)/catch_amalgamated.o: $(CATCH2_DIR)/extras/catch_amalgamated.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O1 $(TARGET_FLAGS) -I$(CATCH2_DIR)/extras -c $< -o $@

-include $(OBJS:.o=.d)
