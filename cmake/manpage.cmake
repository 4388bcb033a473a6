# Writes the vramfit(1) man page from the program's own help text (no network, no help2man), and the
# bash, zsh and fish completion scripts beside it (vramfit.bash, vramfit.zsh, vramfit.fish):
#   cmake -DVRAMFIT=path/to/vramfit -DOUT=share/vramfit.1 -P cmake/manpage.cmake
# NAME and SYNOPSIS, then DESCRIPTION from `vramfit --help`, then one COMMANDS subsection per command
# with its `vramfit CMD --help`, preformatted. Roff escapes: backslashes, and a line that starts with a
# dot or a quote.
if(NOT VRAMFIT OR NOT OUT)
  message(FATAL_ERROR "manpage.cmake: -DVRAMFIT=... -DOUT=... are required")
endif()

function(help_of out_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env NO_COLOR=1 ${VRAMFIT} ${ARGN} --help OUTPUT_VARIABLE text
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: vramfit ${ARGN} --help exited ${rc}")
  endif()
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

help_of(main)
# The commands, from the "Subcommands:" list of the main help (up to its blank line; the examples follow).
string(REGEX MATCH "Subcommands:\n([^\n]+\n)+" subs "${main}")
string(REGEX MATCHALL "\n  [a-z][a-z-]*" names "${subs}")

set(page ".TH VRAMFIT 1 \"\" \"vramfit\" \"User Commands\"\n")
string(APPEND page ".SH NAME\nvramfit \\- will this LLM fit on this hardware, and how fast will it run?\n")
string(APPEND page ".SH SYNOPSIS\n.B vramfit\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n")
string(APPEND page ".SH DESCRIPTION\n.nf\n${main}.fi\n.SH COMMANDS\n")
foreach(n IN LISTS names)
  string(STRIP "${n}" cmd)
  help_of(sub ${cmd})
  string(APPEND page ".SS ${cmd}\n.nf\n${sub}.fi\n")
endforeach()
string(APPEND page ".SH EXIT STATUS\n0: the answer (fits); 1: the answer is no (does not fit, problems found); 2: bad input, with one line on stderr.\n")
string(APPEND page ".SH SEE ALSO\nThe documentation in docs/ of the vramfit sources: cli.md, methodology.md, json.md, errors.md.\n")
file(WRITE ${OUT} "${page}")

get_filename_component(dir ${OUT} DIRECTORY)
foreach(shell bash zsh fish)
  execute_process(COMMAND ${VRAMFIT} completion ${shell} OUTPUT_FILE ${dir}/vramfit.${shell} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: vramfit completion ${shell} exited ${rc}")
  endif()
endforeach()
