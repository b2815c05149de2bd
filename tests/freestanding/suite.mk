# SPDX-License-Identifier: MIT
# Builds the Catch2 suite (every tests/test_*.cpp) for another target, with Catch2 compiled from
# its amalgamated source. Used by build_suite.sh; all variables come from there:
#   ROOT OUT CXX TARGET_FLAGS LINK_FLAGS CATCH2_DIR SHIM_DIR
SRCS := $(sort $(wildcard $(ROOT)/tests/test_*.cpp))
OBJS := $(patsubst $(ROOT)/tests/%.cpp,$(OUT)/obj/%.o,$(SRCS))
WARNINGS := -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror
CXXFLAGS := -std=c++20 -O1 $(TARGET_FLAGS) -pthread -I$(ROOT)/include -I$(ROOT)/tests -isystem $(SHIM_DIR)

$(OUT)/pid_allocator_tests: $(OBJS) $(OUT)/catch_amalgamated.o
	$(CXX) $(TARGET_FLAGS) $(LINK_FLAGS) -pthread $^ -o $@

$(OUT)/obj/%.o: $(ROOT)/tests/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(WARNINGS) -MMD -MP -c $< -o $@

# Built once per target and kept: the slowest file of the suite.
$(OUT)/catch_amalgamated.o: $(CATCH2_DIR)/extras/catch_amalgamated.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O1 $(TARGET_FLAGS) -I$(CATCH2_DIR)/extras -c $< -o $@

-include $(OBJS:.o=.d)
