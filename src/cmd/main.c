/* placeholder until the CLI lands */
#include <stdio.h>
int main(void)
{
	puts("mailhunt " MH_VERSION);
	return 0;
}
