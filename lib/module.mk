RT_SRCS += lib/errno.c lib/string.c lib/fmt.c

HOST_TESTS += lib_fmt
HOST_TEST_SRCS_lib_fmt := lib/fmt.c lib/tests/fmt_test.c

HOST_TESTS += lib_string
HOST_TEST_SRCS_lib_string := lib/tests/string_test.c

# Layering (tools/layers.sh, docs/architecture.md): what lib/ may include.
LAYERS += lib
LAYER_DEPS_lib := 
