#ifndef GIFSMITH_CLIBXML2_SHIM_H
#define GIFSMITH_CLIBXML2_SHIM_H
// libxml2's HTML parser (a real, tolerant HTML parser) for the animate-page workflow.
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU, and encoding.h then includes the system's
// <unicode/ucnv.h>, whose enums clash with the ICU copy inside Foundation. Only the fields
// of xmlCharEncodingHandler depend on it, and Swift never touches that struct.
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#endif
