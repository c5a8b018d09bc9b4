/*
 * libauthkit — umbrella header. Include this, link with
 * `pkg-config --cflags --libs authkit`.
 */
#ifndef AUTHKIT_H
#define AUTHKIT_H

#include "authkit/version.h"
#include "authkit/common.h"
#include "authkit/config.h"
#include "authkit/ctx.h"
#include "authkit/store.h"
#include "authkit/user.h"
#include "authkit/password.h"
#include "authkit/auth.h"
#include "authkit/audit.h"
#include "authkit/session.h"
#include "authkit/token.h"
#include "authkit/http.h"
#include "authkit/vault.h"
#include "authkit/apikey.h"
#include "authkit/usage.h"

#endif
