# Strict warnings for our own targets; -Werror with MH_WERROR=ON (dev, CI).
function(mh_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wvla -Wwrite-strings
    -Wpointer-arith -Wundef -Wno-unused-parameter
    # C only (src/json/json_simd.cpp is the one C++ file)
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes
                            -Wold-style-definition>)
  if(MH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
