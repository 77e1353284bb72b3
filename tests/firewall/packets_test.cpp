// Real packets through the compiled rulesets.
#include <catch2/catch.hpp>
