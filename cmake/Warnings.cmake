# Strict warnings for our own targets; -Werror with MH_WERROR=ON (dev, CI).
function(mh_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes
    -Wvla -Wwrite-strings -Wmissing-prototypes -Wold-style-definition
    -Wpointer-arith -Wundef -Wno-unused-parameter)
  if(MH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
