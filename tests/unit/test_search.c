/* Placeholder until the real file lands. */
int main(void)
{
	return 0;
}
