/*
 * package_view.h - the package table a policy sees.
 *
 * require and its searchers keep using the real package table, stored in
 * the registry under PACKAGE_VIEW_REAL and set up from the config only
 * (lua_path, lua_allow = syspath / cmodules).  The policy's `package` (the
 * global and package.loaded.package) is a read-only view of it: path,
 * cpath, config, loaded, preload, loadlib, a read-only searchers list, and
 * a searchpath that searches only package.path or package.cpath.  Writing
 * a field raises an error naming the config keys; a rawset on the view
 * changes nothing require looks at.
 */
#ifndef LUAMILTER_PACKAGE_VIEW_H
#define LUAMILTER_PACKAGE_VIEW_H

#define PACKAGE_VIEW_REAL "luamilter.package"

struct lua_State;

int package_view_open(struct lua_State *L);

#endif
