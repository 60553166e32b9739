/*
 * closeonce: checks that every OS handle is closed exactly once.
 * The umbrella header.
 */
#ifndef CLOSEONCE_H
#define CLOSEONCE_H

#define CO_VERSION "0.1.0"

#include "closeonce/backend.h"
#include "closeonce/error.h"
#include "closeonce/exec.h"
#include "closeonce/gen.h"
#include "closeonce/model.h"
#include "closeonce/report.h"
#include "closeonce/target.h"
#include "closeonce/trace.h"

#endif
